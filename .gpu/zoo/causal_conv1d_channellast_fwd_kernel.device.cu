#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cstdint>
#include <algorithm>
/******************************************************************************
 * Copyright (c) 2024, Tri Dao.
 ******************************************************************************/

                              
                          
                                                                                           


    #include <cub/block/block_load.cuh>
    #include <cub/block/block_store.cuh>
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


                                                                                              
                                        
                             
                               
                                                
                                          
                                                   
                                                
                                                       
                                    
                                                   
                                                               
                                                                                                  
                                                                                      
                                                                                                     
                                                                                         
                                                 
           
                                                                                                            
                                                                          
                                                                     
  

                                                                                              
                                          
                                                                                                                                                                                                                                                                                                                                                                                             
                                     
                                           
                                                             
                                                     
                             
                                                                                                     
                               

                     
                                   
                                                                                                                                                                                
                                                                                                                                                                                                                      
                                                                                                                                                                                   
                                                                                                                                                                                                                         
                                                                                                                                                                                                                                                                                                                                                                                     

                                 
                                    
                                      
                                                                
                                         
                                                                               
                                                                      
                                           
                                                                                           

                                                                                               
                    
                                    
                                                                           
     

                              
                  
                                                                                                        

                                                  
                                                                       
                                                    
                                              
                                  
                                                                                                                                                                                                                                                                                                               
                
                            
                                                                                                                                                                                                                                           
         
                        
                        
                                                                          
                                                   
                                                                                                      
                        
                                                                                                       
                        
                                                                                     
                                                                                                       

                                 
                      
                                                                                   

                               
                      
                                          
                                   
                          
                                              
                                                                                      
             
         

                                     
                          
                                              
                                                                     
             
         

                                       
                      
                                                                             
                                  
                                                                                                                                                                                                                                                                                                              
                
                                                                                                                                                                                                   
         
                          
     
 

                                                                        
                                                                            
                                                               
                                                              
                                                                                                          
                                                     
                                            

                                                         

                                     
                                                                                                   
                                                
                                                                                                     
                                                                                                                                                                                                                                                   
         
                                                                        

                                       
       
 

                                             
                                                                          
                            
                                                                            
                                   
                                                                            
                                   
                                                                            
     
 

                                                                                                                
                                                    
                                                                           
                                                                                     
                                                                                               
                                                                               
                             
                               
                                                
                                       
                                                  
                                          
                                                    
                                                   
                                                
                                                       
                                                      
                                                                                      
                                                             
                                                                                   
                                                         
                                                                 
                                                               
                                                          
                                                   
                                                               
                                                                                                      
                                                                                                         
                                                                                           
                                                                                              
                                                                             
  

template<int kNThreads_, int kWidth_, int kChunkSizeL_, bool kIsVecLoad_, typename input_t_, typename weight_t_, bool kHasSeqIdx>
__global__ __launch_bounds__((kNThreads_))
void causal_conv1d_channellast_fwd_kernel(int params_dim, int params_seqlen, bool params_silu_activation, uint32_t params_x_batch_stride, uint32_t params_x_l_stride, uint32_t params_weight_c_stride, uint32_t params_weight_width_stride, uint32_t params_out_batch_stride, uint32_t params_out_l_stride, input_t_* params_x_ptr, weight_t_* params_weight_ptr, weight_t_* params_bias_ptr, input_t_* params_out_ptr, int* params_seq_idx_ptr, input_t_* params_initial_states_ptr, uint32_t params_initial_states_batch_stride, uint32_t params_initial_states_l_stride, input_t_* params_final_states_ptr, uint32_t params_final_states_batch_stride, uint32_t params_final_states_l_stride) {
    constexpr int kWidth = (kWidth_);
    constexpr int kNThreads = (kNThreads_);
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
    __shared__ input_t x_smem[kWidth - 1 + kChunkSizeL][kChunkSizeC + kNElts];

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
    input_t *out = params_out_ptr + batch_id * params_out_batch_stride
        + (chunk_l_id * kChunkSizeL + l_idx) * params_out_l_stride + chunk_c_id * kChunkSizeC + c_idx * kNElts;
    int *seq_idx = !kHasSeqIdx ? nullptr : params_seq_idx_ptr
        + batch_id * params_seqlen + chunk_l_id * kChunkSizeL;
    input_t *initial_states = params_initial_states_ptr == nullptr || chunk_l_id > 0 ? nullptr
        : params_initial_states_ptr + batch_id * params_initial_states_batch_stride + l_idx * params_initial_states_l_stride + chunk_c_id * kChunkSizeC + c_idx * kNElts;
    // The last L-chunk will also have enough info to write to final states, since it also contain a few x values
    // from the previous L-chunk.
    input_t *final_states = params_final_states_ptr == nullptr || chunk_l_id < gridDim.y - 1 ? nullptr
        : params_final_states_ptr + batch_id * params_final_states_batch_stride + l_idx * params_final_states_l_stride + chunk_c_id * kChunkSizeC + c_idx * kNElts;

    #pragma unroll
    for (int l = 0; l < ((kChunkSizeL_) / ((32 / ((128 / (sizeof(input_t_))) / ((sizeof(input_t_)) == 4 ? 4 : 8))) * ((kNThreads_) / 32))); ++l) {
        input_t x_vals_load[kNElts] = {0};
        if (chunk_l_id * kChunkSizeL + l * kLPerLoad + l_idx < params_seqlen
            && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            reinterpret_cast<vec_t *>(x_vals_load)[0] = *reinterpret_cast<vec_t *>(x + l * kLPerLoad * params_x_l_stride);
        }
        reinterpret_cast<vec_t *>(x_smem[kWidth - 1 + l * kLPerLoad + l_idx])[c_idx] = reinterpret_cast<vec_t *>(x_vals_load)[0];
    }
    // Load the elements from the previous chunk that are needed for convolution.
    if (l_idx < kWidth - 1) {
        input_t x_vals_load[kNElts] = {0};
        if (chunk_l_id * kChunkSizeL + l_idx - (kWidth - 1) >= 0
            && chunk_l_id * kChunkSizeL + l_idx - (kWidth - 1) < params_seqlen
            && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            reinterpret_cast<vec_t *>(x_vals_load)[0] = *reinterpret_cast<vec_t *>(x - (kWidth - 1) * params_x_l_stride);
        } else if (initial_states != nullptr
                   && chunk_l_id * kChunkSizeL + l_idx - (kWidth - 1) < 0
                   && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            reinterpret_cast<vec_t *>(x_vals_load)[0] = *reinterpret_cast<vec_t *>(initial_states);
        }
        reinterpret_cast<vec_t *>(x_smem[l_idx])[c_idx] = reinterpret_cast<vec_t *>(x_vals_load)[0];
    }

    __syncthreads();

    if (final_states != nullptr
        && l_idx < kWidth - 1
        && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
        // x_smem[0] contains element at index chunk_l_id * kChunkSizeL - (kWidth - 1)
        // So last few elements (index params.seqlen - kWidth + 1 + l_idx) are stored in x_smem[params.seqlen - kWidth + 1 + l_idx - (chunk_l_id * kChunkSizeL - kWidth + 1)][c_idx]
        *reinterpret_cast<vec_t *>(final_states) = reinterpret_cast<vec_t *>(x_smem[params_seqlen + l_idx - chunk_l_id * kChunkSizeL])[c_idx];
    }

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
    float x_vals[kWidth - 1 + kLPerThread];
    #pragma unroll
    for (int i = 0; i < kWidth - 1 + kLPerThread; ++i) {
        x_vals[i] = float(x_smem[col_idx * kLPerThread + i][row_idx]);
    }
    int seq_idx_thread[kWidth - 1 + kLPerThread];
    if constexpr (kHasSeqIdx) {
        #pragma unroll
        for (int i = 0; i < kWidth - 1 + kLPerThread; ++i) {
            seq_idx_thread[i] = chunk_l_id * kChunkSizeL + col_idx * kLPerThread + i - (kWidth - 1) >= 0 ? seq_idx[col_idx * kLPerThread + i - (kWidth - 1)] : -1;
        }
    }

    float out_vals[kLPerThread];
    #pragma unroll
    for (int i = 0; i < kLPerThread; ++i) {
        out_vals[i] = bias_val;
        const int seq_idx_cur = !kHasSeqIdx ? 0 : seq_idx_thread[i + kWidth - 1];
        // For padding tokens (seq_idx < 0), we skip the computation and set the output to 0.
        if (seq_idx_cur < 0) {
            out_vals[i] = 0.f;
            continue;
        }
        #pragma unroll
        for (int w = 0; w < kWidth; ++w) {
            if constexpr (!kHasSeqIdx) {
                out_vals[i] += weight_vals[w] * x_vals[i + w];
            } else {
                out_vals[i] += seq_idx_thread[i + w] == seq_idx_cur ? weight_vals[w] * x_vals[i + w] : 0.f;
            }
        }
        if (params_silu_activation) {out_vals[i] = out_vals[i] / (1 + expf(-out_vals[i])); }
    }

    __syncthreads();
    #pragma unroll
    for (int i = 0; i < kLPerThread; ++i) { x_smem[col_idx * kLPerThread + i][row_idx] = out_vals[i]; }
    __syncthreads();

    #pragma unroll
    for (int l = 0; l < ((kChunkSizeL_) / ((32 / ((128 / (sizeof(input_t_))) / ((sizeof(input_t_)) == 4 ? 4 : 8))) * ((kNThreads_) / 32))); ++l) {
        input_t out_vals_store[kNElts];
        reinterpret_cast<vec_t *>(out_vals_store)[0] = reinterpret_cast<vec_t *>(x_smem[l * kLPerLoad + l_idx])[c_idx];
        if (chunk_l_id * kChunkSizeL + l * kLPerLoad + l_idx < params_seqlen
            && chunk_c_id * kChunkSizeC + c_idx * kNElts < params_dim) {
            *reinterpret_cast<vec_t *>(out + l * kLPerLoad * params_out_l_stride) = reinterpret_cast<vec_t *>(out_vals_store)[0];
        }
    }

}

                                                                        
                                                                                        
                                                                
                                                                                                                    
                                                        
                                                         
                                                          
                                                                               
                                                                            
                                                        
                                       
                                                                                 
                                        
                                                   
                                                                                    
                
                                                                           
                                                                
                                       
       
 

                                             
                                                                                      
                            
                                                                                        
                                   
                                                                                        
                                   
                                                                                        
     
 

                                                                                                
                                                                                                   
                                                                                                       
                                                                                                   
                                                                                                      
                                                                                                          
                                                                                                       
                                                                                                          
                                                                                                              

                                                                                                            
                                                                                                               
                                                                                                                   
                                                                                                               
                                                                                                                  
                                                                                                                      
                                                                                                                   
                                                                                                                      
                                                                                                                          

