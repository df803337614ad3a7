#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cstdint>
#include <algorithm>
/******************************************************************************
 * Copyright (c) 2024, Tri Dao.
 ******************************************************************************/

                              
                          
                                                                                           


    #include <cub/block/block_load.cuh>
    #include <cub/block/block_store.cuh>
    #include <cub/block/block_reduce.cuh>
    #define ROCM_ONLY(x)







/******************************************************************************
 * Copyright (c) 2024, Tri Dao.
 ******************************************************************************/



////////////////////////////////////////////////////////////////////////////////////////////////////

                       
                             

                                  
                         

                           
                       
                       
                            
                                
                             
                         
                         

                       
                                    
                                
                                

                            
                             
                                  
                                
                               

                                      
                                        

                                                                                
                                                
                                                 

                                   

                                                                              
                              
                                        
                                    
                                    

                            
                                      
                                  
                                  
 ;

                                             
                            
                        
                        
                             
                                 
                              
                          
                          

                            
                              
                                   
                                 
                                

                               
                                         
                                     
                                     

                             
                                       
                                   
                                   

                       
                                             
                                           
                                           
                                         
                                         
 ;


/******************************************************************************
 * Copyright (c) 2023, Tri Dao.
 ******************************************************************************/




    #include <cuda_bf16.h>

    template<typename T>
    __device__ inline T shuffle_xor(T val, int offset) {
        return __shfl_xor_sync(uint32_t(-1), val, offset);
    }

                                                                     
     
                               
     

    template<typename T>
    constexpr T constexpr_min(T a, T b) {
        return std::min(a, b);
    }


















#include <cuda_fp16.h>

////////////////////////////////////////////////////////////////////////////////////////////////////

template<int BYTES> struct BytesToType {};

template<> struct BytesToType<16> {
    using Type = uint4;
    static_assert(sizeof(Type) == 16);
};

template<> struct BytesToType<8> {
    using Type = uint64_t;
    static_assert(sizeof(Type) == 8);
};

template<> struct BytesToType<4> {
    using Type = uint32_t;
    static_assert(sizeof(Type) == 4);
};

template<> struct BytesToType<2> {
    using Type = uint16_t;
    static_assert(sizeof(Type) == 2);
};

template<> struct BytesToType<1> {
    using Type = uint8_t;
    static_assert(sizeof(Type) == 1);
};

////////////////////////////////////////////////////////////////////////////////////////////////////

template<typename T>
struct SumOp {
__device__ inline T operator()(T const & x, T const & y) { return x + y; }
};

template<int THREADS>
struct Allreduce {
    static_assert(THREADS == 32 || THREADS == 16 || THREADS == 8 || THREADS == 4);
    template<typename T, typename Operator>
    static __device__ inline T run(T x, Operator &op) {
        constexpr int OFFSET = THREADS / 2;
        x = op(x, shuffle_xor(x, OFFSET));
        return Allreduce<OFFSET>::run(x, op);
    }
};

template<>
struct Allreduce<2> {
template<typename T, typename Operator>
static __device__ inline T run(T x, Operator &op) {
    x = op(x, shuffle_xor(x, 1));
    return x;
}
};


// Inspired by https://github.com/NVIDIA/DALI/blob/main/include/dali/core/static_switch.h
// and https://github.com/pytorch/pytorch/blob/master/aten/src/ATen/Dispatch.h



/// @param COND       - a boolean expression to switch by
/// @param CONST_NAME - a name given for the constexpr bool variable.
/// @param ...       - code to execute for true and false
///
/// Usage:
/// ```
/// BOOL_SWITCH(flag, BoolConst, [&] {
///     some_function<BoolConst>(...);
/// });
/// ```
#define BOOL_SWITCH(COND, CONST_NAME, ...)                                           \
    [&] {                                                                            \
        if (COND) {                                                                  \
            static constexpr bool CONST_NAME = true;                                 \
            return __VA_ARGS__();                                                    \
        } else {                                                                     \
            static constexpr bool CONST_NAME = false;                                \
            return __VA_ARGS__();                                                    \
        }                                                                            \
    }()


                                                                                                              
                                        
                             
                               
                                                
                                          
                                               
                                                   
                                                
                                                       
                                    
                                                                                  
                                                                                         
                                                                            
                                                   
                                                               
                                                                                                  
                                                                                      
                                                                                                     
                                                                                         
                                                                 
                                                 
           
                                                                                                            
                                                                                                                   
                                                                   
                                                                                                    
  

                                                                                                                                   
                                          
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          
                                     
                                           
                                          
                                                                    
                                                                        
                                                     
                             
                                                                                                     
                               

                     
                                   
                                                                                                                                                                                
                                                                                                                                                                                                                      
                                                                                                                                                                                   
                                                                                                                                                                                                                         
                                                                                                                                                                                                                                                                                                                                                                                     
                                                                                                                                                                                                                                                                                                                                                                                                                      
                                                                                                                                                                                                                                                                                                                                                                                                                                              

                                 
                                    
                                  
                                                                
                                     
                                                                           
                                                                         
                                        
                                                                   
                                      
                                                                           
                                                                                       

                                                                                                       
                    
                                  
                                        
                                                                   
                
                                      
                          
                                                        
                                                                                   
             
         
     

                              
                  
                                                                                                 

                                     
                        

                                                  
                                                                       
                                     
                                        
                                      
                                                         
                                              
                                                 
                                  
                                                                                                                                                                                                                                                                                                               
                                                                                                                                                                                                                                                                                                                
                
                            
                                                                                                                                                                                                                                           
                            
                                                                                                                                                                                                                                            
         
                                                        
                                  
                            
                                                                              
                                                    
                                                                                                 
                            
                                                                                                              
                            
                                                                              
                                                                                                  
                          
                                                  
                                                        
                                                  
             
                
                                         
                                          
                                                                                                 
                        
                                  
                                                      
                                                                                                        
                     
                 
             
                            
                                                                              
                            
                                                                                                    
                          
                                                                                       
                                   
                          
                                              
                                         
                              
                                                  
                                                                                      
                 
                                                                       
                                                                         
                                                                             
             
                                                                                            
                                                                             
                            
                                                                              
                                                    
                           
                              
                                                            
                                                                                                  
                 
             
                            
                          
                                                        
                                                                          
                                                                                           
             
                            
                                                                              
                            
                              
                                                            
                                                                                                  
                 
             
         
                           
                        

                      
                                                                       

                                    
                      
                                          
                          
                                              
                                                                             
             
         

                                      
                      
                                                                           
                                  
                                                                                                                                                                                                                                                                                                            
                
                                                                                                                                                                                                 
         
                         

                      
                                          
                          
                                              
                                                                                      
             
         
     

                  
                                      
                        
                                                                                                        
                        
                                           
                                                                 
                                                                           
                                                                       
                                                
                    
                                                                                                                 
             
         
     
                                     
                        
                                                                                            
                        
                                           
                                                             
                                                                                              
                    
                                                                
             
         
     
 

                                                                        
                                                                           
                                                               
                                                              
                                                           
                                                                   
                                                                                                                            
                                                             
                                                    
                                                                                 
                                             
                                                                                                           
                                                        
                                                                                                             
                                                                                                                                                                                                                                                           
                 
                                                                                
                                               
               
           
       
 

                                             
                                                                         
                            
                                                                            
                                   
                                                                            
                                   
                                                                            
     
 

                                                                                                                                
                                                    
                                                                           
                                                                                     
                                                                                               
                                                                               
                             
                               
                                               
                                                
                                       
                                                  
                                          
                                                    
                                                   
                                                
                                                       
                                                      
                                                                                      
                                                             
                                                                                   
                                                         
                                                                 
                                                               
                                                          
                                                   
                                                               
                                                                                                      
                                                                                                         
                                                                                           
                                                                                              
                                                                             
  

template<int kNThreads_, int kWidth_, int kChunkSizeL_, bool kSiluAct_, bool kIsVecLoad_, typename input_t_, typename weight_t_, bool kHasSeqIdx, bool kHasDfinalStates, bool kDeterministic>
__global__ __launch_bounds__((kNThreads_))
void causal_conv1d_channellast_bwd_kernel(int params_dim, int params_seqlen, uint32_t params_x_batch_stride, uint32_t params_x_l_stride, uint32_t params_weight_c_stride, uint32_t params_weight_width_stride, input_t_* params_x_ptr, weight_t_* params_weight_ptr, weight_t_* params_bias_ptr, int* params_seq_idx_ptr, input_t_* params_initial_states_ptr, uint32_t params_initial_states_batch_stride, uint32_t params_initial_states_l_stride, uint32_t params_dx_batch_stride, uint32_t params_dx_l_stride, uint32_t params_dweight_c_stride, uint32_t params_dweight_width_stride, uint32_t params_dout_batch_stride, uint32_t params_dout_l_stride, input_t_* params_dx_ptr, float* params_dweight_ptr, float* params_dbias_ptr, input_t_* params_dout_ptr, input_t_* params_dinitial_states_ptr, uint32_t params_dinitial_states_batch_stride, uint32_t params_dinitial_states_l_stride, input_t_* params_dfinal_states_ptr, uint32_t params_dfinal_states_batch_stride, uint32_t params_dfinal_states_l_stride, uint32_t params_dfinal_states_c_stride, float* params_dweight_workspace_ptr, float* params_dbias_workspace_ptr, uint32_t params_dweight_workspace_batch_stride, uint32_t params_dweight_workspace_dim_stride, uint32_t params_dbias_workspace_batch_stride) {
    constexpr int kWidth = (kWidth_);
    constexpr int kNThreads = (kNThreads_);
    constexpr bool kSiluAct = (kSiluAct_);
    constexpr int kNElts = ((sizeof(input_t_)) == 4 ? 4 : 8);
    constexpr int kNWarp = ((kNThreads_) / 32);
    constexpr int kNThreadsPerC = ((128 / (sizeof(input_t_))) / ((sizeof(input_t_)) == 4 ? 4 : 8));
    constexpr int kLPerLoad = ((32 / ((128 / (sizeof(input_t_))) / ((sizeof(input_t_)) == 4 ? 4 : 8))) * ((kNThreads_) / 32));
    constexpr int kChunkSizeL = (kChunkSizeL_);
    constexpr int kChunkSizeC = (128 / (sizeof(input_t_)));
    using input_t = input_t_;
    using vec_t = typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type;
    using weight_t = weight_t_;

    // Shared memory.
    __shared__ input_t dout_smem[kChunkSizeL + kWidth - 1][kChunkSizeC + kNElts];
    __shared__ input_t x_smem[kWidth - 1 + kChunkSizeL + kWidth - 1][kChunkSizeC + kNElts];

    const int batch_id = blockIdx.x;
    const int chunk_l_id = blockIdx.y;
    const int chunk_c_id = blockIdx.z;
    const int tid = threadIdx.x;
    const int l_idx = tid / kNThreadsPerC;
    const int c_idx = tid % kNThreadsPerC;
    input_t *x = params_x_ptr + batch_id * params_x_batch_stride
        + (chunk_l_id * kChunkSizeL + l_idx) * params_x_l_stride + chunk_c_id * kChunkSizeC + c_idx * kNElts;
    weight_t *weight = params_weight_ptr
        + chunk_c_id * kChunkSizeC * params_weight_c_stride;
    input_t *dout = params_dout_ptr + batch_id * params_dout_batch_stride
        + (chunk_l_id * kChunkSizeL + l_idx) * params_dout_l_stride + chunk_c_id * kChunkSizeC + c_idx * kNElts;
    input_t *dx = params_dx_ptr + batch_id * params_dx_batch_stride
        + (chunk_l_id * kChunkSizeL + l_idx) * params_dx_l_stride + chunk_c_id * kChunkSizeC + c_idx * kNElts;
    float *dweight = params_dweight_ptr
        + chunk_c_id * kChunkSizeC * params_dweight_c_stride;
    int *seq_idx = !kHasSeqIdx ? nullptr : params_seq_idx_ptr
        + batch_id * params_seqlen + chunk_l_id * kChunkSizeL;
    input_t *initial_states = params_initial_states_ptr == nullptr || chunk_l_id > 0 ? nullptr
        : params_initial_states_ptr + batch_id * params_initial_states_batch_stride + l_idx * params_initial_states_l_stride + chunk_c_id * kChunkSizeC + c_idx * kNElts;
    input_t *dinitial_states = params_dinitial_states_ptr == nullptr || chunk_l_id > 0 ? nullptr
        : params_dinitial_states_ptr + batch_id * params_dinitial_states_batch_stride + l_idx * params_dinitial_states_l_stride + chunk_c_id * kChunkSizeC + c_idx * kNElts;
    input_t *dfinal_states = params_dfinal_states_ptr == nullptr ? nullptr
        : params_dfinal_states_ptr + batch_id * params_dfinal_states_batch_stride + chunk_c_id * kChunkSizeC;

    #pragma unroll
    for (int l = 0; l < ((kChunkSizeL_) / ((32 / ((128 / (sizeof(input_t_))) / ((sizeof(input_t_)) == 4 ? 4 : 8))) * ((kNThreads_) / 32))); ++l) {
        input_t dout_vals_load[kNElts] = {0};
        input_t x_vals_load[kNElts] = {0};
        if (chunk_l_id * kChunkSizeL + l * kLPerLoad + l_idx < params_seqlen
            && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            reinterpret_cast<vec_t *>(dout_vals_load)[0] = *reinterpret_cast<vec_t *>(dout + l * kLPerLoad * params_dout_l_stride);
            reinterpret_cast<vec_t *>(x_vals_load)[0] = *reinterpret_cast<vec_t *>(x + l * kLPerLoad * params_x_l_stride);
        }
        reinterpret_cast<vec_t *>(dout_smem[l * kLPerLoad + l_idx])[c_idx] = reinterpret_cast<vec_t *>(dout_vals_load)[0];
        reinterpret_cast<vec_t *>(x_smem[kWidth - 1 + l * kLPerLoad + l_idx])[c_idx] = reinterpret_cast<vec_t *>(x_vals_load)[0];
    }
    // Load the elements from the previous chunk or next chunk that are needed for convolution.
    if (l_idx < kWidth - 1) {
        input_t dout_vals_load[kNElts] = {0};
        input_t x_vals_load[kNElts] = {0};
        if ((chunk_l_id + 1) * kChunkSizeL + l_idx < params_seqlen
            && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            reinterpret_cast<vec_t *>(dout_vals_load)[0] = *reinterpret_cast<vec_t *>(dout + kChunkSizeL * params_dout_l_stride);
        }
        if (chunk_l_id * kChunkSizeL + l_idx - (kWidth - 1) >= 0
            && chunk_l_id * kChunkSizeL + l_idx - (kWidth - 1) < params_seqlen
            && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            reinterpret_cast<vec_t *>(x_vals_load)[0] = *reinterpret_cast<vec_t *>(x - (kWidth - 1) * params_x_l_stride);
        } else if (initial_states != nullptr
                   && chunk_l_id * kChunkSizeL + l_idx - (kWidth - 1) < 0
                   && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            reinterpret_cast<vec_t *>(x_vals_load)[0] = *reinterpret_cast<vec_t *>(initial_states);
        }
        reinterpret_cast<vec_t *>(dout_smem[kChunkSizeL + l_idx])[c_idx] = reinterpret_cast<vec_t *>(dout_vals_load)[0];
        reinterpret_cast<vec_t *>(x_smem[l_idx])[c_idx] = reinterpret_cast<vec_t *>(x_vals_load)[0];
    }
    // Need to load (kWdith - 1) extra x's on the right to recompute the (kChunkSizeL + kWidth - 1) outputs
    if constexpr (kSiluAct) {
        if (l_idx < kWidth - 1) {
            input_t x_vals_load[kNElts] = {0};
            if ((chunk_l_id + 1) * kChunkSizeL + l_idx < params_seqlen
                && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
                reinterpret_cast<vec_t *>(x_vals_load)[0] = *reinterpret_cast<vec_t *>(x + kChunkSizeL * params_x_l_stride);
            }
            reinterpret_cast<vec_t *>(x_smem[kWidth - 1 + kChunkSizeL + l_idx])[c_idx] = reinterpret_cast<vec_t *>(x_vals_load)[0];
        }
    }

    __syncthreads();

    constexpr int kLPerThread = constexpr_min(kChunkSizeL * kChunkSizeC / kNThreads, kChunkSizeL);
    static_assert(kLPerThread * kNThreads == kChunkSizeL * kChunkSizeC);
    constexpr int kNThreadsPerRow = kChunkSizeL / kLPerThread;
    static_assert(kNThreadsPerRow * kLPerThread == kChunkSizeL);
    // kChunkSizeL, kLPerThread, kNThreadsPerRow should be powers of 2 for simplicity
    static_assert((kChunkSizeL & (kChunkSizeL - 1)) == 0);
    static_assert((kLPerThread & (kLPerThread - 1)) == 0);
    static_assert((kNThreadsPerRow & (kNThreadsPerRow - 1)) == 0);
    static_assert(kNThreadsPerRow <= 32);

    const int row_idx = tid / kNThreadsPerRow;
    const int col_idx = tid % kNThreadsPerRow;

    float bias_val = params_bias_ptr == nullptr || chunk_c_id * kChunkSizeC + row_idx >= params_dim ? 0.f : float(params_bias_ptr[chunk_c_id * kChunkSizeC + row_idx]);
    float weight_vals[kWidth] = {0};
    if (chunk_c_id * kChunkSizeC + row_idx < params_dim) {
        #pragma unroll
        for (int w = 0; w < kWidth; ++w) {
            weight_vals[w] = weight[row_idx * params_weight_c_stride + w * params_weight_width_stride];
        }
    }
    float dout_vals[kLPerThread + kWidth - 1];
    float x_vals[kWidth - 1 + kLPerThread + kWidth - 1];
    #pragma unroll
    for (int i = 0; i < kWidth - 1 + kLPerThread; ++i) {
        dout_vals[i] = float(dout_smem[col_idx * kLPerThread + i][row_idx]);
        x_vals[i] = float(x_smem[col_idx * kLPerThread + i][row_idx]);
    }

    int seq_idx_thread[kWidth - 1 + kLPerThread + kWidth - 1];
    if constexpr (kHasSeqIdx) {
        #pragma unroll
        for (int i = 0; i < kWidth - 1 + kLPerThread + kWidth - 1; ++i) {
            const int l_idx = chunk_l_id * kChunkSizeL + col_idx * kLPerThread + i - (kWidth - 1);
            seq_idx_thread[i] = l_idx >= 0 && l_idx < params_seqlen ? seq_idx[col_idx * kLPerThread + i - (kWidth - 1)] : -1;
        }
    }

    if constexpr (kSiluAct) {  // Recompute the output
        #pragma unroll
        for (int i = kWidth - 1 + kLPerThread; i < kWidth - 1 + kLPerThread + kWidth - 1; ++i) {
            x_vals[i] = float(x_smem[col_idx * kLPerThread + i][row_idx]);
        }
        #pragma unroll
        for (int i = 0; i < kLPerThread + kWidth - 1; ++i) {
            float out_val = bias_val;
            const int seq_idx_cur = !kHasSeqIdx ? 0 : seq_idx_thread[i + kWidth - 1];
            #pragma unroll
            for (int w = 0; w < kWidth; ++w) {
                if constexpr (!kHasSeqIdx) {
                    out_val += weight_vals[w] * x_vals[i + w];
                } else {
                    out_val += seq_idx_thread[i + w] == seq_idx_cur ? weight_vals[w] * x_vals[i + w] : 0.f;
                }
            }
            float out_val_sigmoid = 1.f / (1.f + expf(-out_val));
            dout_vals[i] *= out_val_sigmoid * (1 + out_val * (1 - out_val_sigmoid));
        }
    }

    float dweight_vals[kWidth] = {0};
    SumOp<float> sum_op;
    #pragma unroll
    for (int w = 0; w < kWidth; ++w) {
        #pragma unroll
        for (int i = 0; i < kLPerThread; ++i) {
            if constexpr (!kHasSeqIdx) {
                dweight_vals[w] += x_vals[i + w] * dout_vals[i];
            } else {
                dweight_vals[w] += seq_idx_thread[i + w] == seq_idx_thread[kWidth - 1 + i] ? x_vals[i + w] * dout_vals[i] : 0.f;
            }
        }
        dweight_vals[w] = Allreduce<kNThreadsPerRow>::run(dweight_vals[w], sum_op);
        if (col_idx == 0 && chunk_c_id * kChunkSizeC + row_idx < params_dim) {
            if constexpr (kDeterministic) {
                float *dweight_ws = params_dweight_workspace_ptr;
                dweight_ws[batch_id * params_dweight_workspace_batch_stride
                         + chunk_l_id * params_dweight_workspace_dim_stride * params_dim
                         + (chunk_c_id * kChunkSizeC + row_idx) * params_dweight_workspace_dim_stride
                         + w] = dweight_vals[w];
            } else {
                atomicAdd(&reinterpret_cast<float *>(dweight)[row_idx * params_dweight_c_stride + w * params_dweight_width_stride], dweight_vals[w]);
            }
        }
    }

    if (params_bias_ptr != nullptr) {
        float dbias_val = 0.f;
        for (int i = 0; i < kLPerThread; ++i) { dbias_val += dout_vals[i]; }
        dbias_val = Allreduce<kNThreadsPerRow>::run(dbias_val, sum_op);
        if (col_idx == 0 && chunk_c_id * kChunkSizeC + row_idx < params_dim) {
            if constexpr (kDeterministic) {
                float *dbias_ws = params_dbias_workspace_ptr;
                dbias_ws[batch_id * params_dbias_workspace_batch_stride
                       + chunk_l_id * params_dim
                       + (chunk_c_id * kChunkSizeC + row_idx)] = dbias_val;
            } else {
                atomicAdd(&params_dbias_ptr[chunk_c_id * kChunkSizeC + row_idx], dbias_val);
            }
        }
    }

    float dx_vals[kLPerThread] = {0};
    #pragma unroll
    for (int i = 0; i < kLPerThread; ++i) {
        const int seq_idx_cur = !kHasSeqIdx ? 0 : seq_idx_thread[i + kWidth - 1];
        #pragma unroll
        for (int w = 0; w < kWidth; ++w) {
            if constexpr (!kHasSeqIdx) {
                dx_vals[i] += weight_vals[kWidth - 1 - w] * dout_vals[i + w];
            } else {
                dx_vals[i] += seq_idx_thread[kWidth - 1 + i + w] == seq_idx_cur ? weight_vals[kWidth - 1 - w] * dout_vals[i + w] : 0.f;
            }
        }
        // if (dfinal_states != nullptr) {
        if constexpr (kHasDfinalStates) {
            if (chunk_l_id * kChunkSizeL + col_idx * kLPerThread + i >= params_seqlen - kWidth + 1
                && chunk_l_id * kChunkSizeL + col_idx * kLPerThread + i < params_seqlen
                && chunk_c_id * kChunkSizeC + row_idx < params_dim) {
                dx_vals[i] += float(dfinal_states[((chunk_l_id * kChunkSizeL + col_idx * kLPerThread + i) - (params_seqlen - kWidth + 1)) * params_dfinal_states_l_stride + row_idx * params_dfinal_states_c_stride]);
            }
        }
    }

    float dxinit_vals[kWidth - 1] = {0};
    static_assert(kLPerThread >= kWidth - 1);  // So only threads with col_idx == 0 need to handle dinitial_states
    if (dinitial_states != nullptr && col_idx == 0) {
        #pragma unroll
        for (int i = 0; i < kWidth - 1; ++i) {
            #pragma unroll
            for (int w = 0; w < kWidth; ++w) {
                dxinit_vals[i] += i + w - (kWidth - 1) >= 0 ? weight_vals[kWidth - 1 - w] * dout_vals[i + w - (kWidth - 1)] : 0.f;
            }
            // chunk_l_id must be 0 because dinitial_states != nullptr
            // if (dfinal_states != nullptr) {
            if constexpr (kHasDfinalStates) {
                if (i >= params_seqlen) {
                    dxinit_vals[i] += float(dfinal_states[(i - params_seqlen) * params_dfinal_states_l_stride + row_idx * params_dfinal_states_c_stride]);
                }
            }
        }
    }

    __syncthreads();
    #pragma unroll
    for (int i = 0; i < kLPerThread; ++i) { x_smem[kWidth - 1 + col_idx * kLPerThread + i][row_idx] = dx_vals[i]; }
    if (dinitial_states != nullptr && col_idx == 0) {
        #pragma unroll
        for (int i = 0; i < kWidth - 1; ++i) { x_smem[i][row_idx] = dxinit_vals[i]; }
    }
    __syncthreads();

    #pragma unroll
    for (int l = 0; l < ((kChunkSizeL_) / ((32 / ((128 / (sizeof(input_t_))) / ((sizeof(input_t_)) == 4 ? 4 : 8))) * ((kNThreads_) / 32))); ++l) {
        input_t dx_vals_store[kNElts];
        reinterpret_cast<vec_t *>(dx_vals_store)[0] = reinterpret_cast<vec_t *>(x_smem[kWidth - 1 + l * kLPerLoad + l_idx])[c_idx];
        if (chunk_l_id * kChunkSizeL + l * kLPerLoad + l_idx < params_seqlen
            && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            *reinterpret_cast<vec_t *>(dx + l * kLPerLoad * params_dx_l_stride) = reinterpret_cast<vec_t *>(dx_vals_store)[0];
        }
    }
    if (dinitial_states != nullptr
        && l_idx < kWidth - 1
        && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
        input_t dxinit_vals_store[kNElts];
        reinterpret_cast<vec_t *>(dxinit_vals_store)[0] = reinterpret_cast<vec_t *>(x_smem[l_idx])[c_idx];
        *reinterpret_cast<vec_t *>(dinitial_states) = reinterpret_cast<vec_t *>(dxinit_vals_store)[0];
    }

}

                                                                        
                                                                                       
                                                       
                                                                    
                                                                                    
                                                                       
                                                                          
                                                                                             
                                                                               
                                                                                                                                                  
                                                                        
                                                                         
                                                                          
                                                                                               
                                                                                            
                                                                        
                                                       
                                                                                                                                   
                                                        
                                                                   
                                                                                                    
                                
                                                                                           
                                                                                
                                                       
                       
                   
               
           
       
 

                                             
                                                                                     
                            
                                                                                        
                                   
                                                                                        
                                   
                                                                                        
     
 

                                                                                               
                                                                                                  
                                                                                                      
                                                                                                  
                                                                                                     
                                                                                                         
                                                                                                      
                                                                                                         
                                                                                                             

                                                                                                           
                                                                                                              
                                                                                                                  
                                                                                                              
                                                                                                                 
                                                                                                                     
                                                                                                                  
                                                                                                                     
                                                                                                                         

