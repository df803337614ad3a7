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

                        
                                                        
                                                          
     

    constexpr size_t custom_max(std::initializer_list<size_t> ilist) 
    {
        return std::max(ilist);
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


                                                                                                              
                                        
                             
                               
                                                
                                          
                                               
                                                   
                                                
                                                       
                                    
                                                                                  
                                                                                         
                                                                            
                                                   
                                                               
                                                                                                  
                                                                                      
                                                                                                     
                                                                                         
                                                                 
                                                 
           
                                                                                                            
                                                                                                                   
                                                                   
                                                                                                    
  

template<int kNThreads_, int kWidth_, bool kSiluAct_, bool kIsVecLoad_, typename input_t_, typename weight_t_, bool kDeterministic>
__global__ __launch_bounds__((kNThreads_))
void causal_conv1d_bwd_kernel(int params_seqlen, uint32_t params_x_batch_stride, uint32_t params_x_c_stride, uint32_t params_weight_c_stride, uint32_t params_weight_width_stride, input_t_* params_x_ptr, weight_t_* params_weight_ptr, weight_t_* params_bias_ptr, uint32_t params_dx_batch_stride, uint32_t params_dx_c_stride, uint32_t params_dweight_c_stride, uint32_t params_dweight_width_stride, uint32_t params_dout_batch_stride, uint32_t params_dout_c_stride, input_t_* params_dx_ptr, float* params_dweight_ptr, float* params_dbias_ptr, input_t_* params_dout_ptr, float* params_dweight_workspace_ptr, float* params_dbias_workspace_ptr, uint32_t params_dweight_workspace_batch_stride, uint32_t params_dweight_workspace_dim_stride, uint32_t params_dbias_workspace_batch_stride) {
    constexpr int kWidth = (kWidth_);
    constexpr int kNThreads = (kNThreads_);
    constexpr bool kSiluAct = (kSiluAct_);
    static constexpr int kNElts = ((sizeof(input_t_)) == 4 ? 4 : 8);
    constexpr int kNExchangeRounds = (sizeof(float) / sizeof(input_t_));
    static constexpr bool kIsVecLoad = (kIsVecLoad_);
    using input_t = input_t_;
    using vec_t = typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type;
    using weight_t = weight_t_;

    // Shared memory.
    extern __shared__ char smem_[];
    auto& smem_load = reinterpret_cast<typename cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>::TempStorage&>(smem_);
    auto& smem_load_vec = reinterpret_cast<typename cub::BlockLoad<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_LOAD_DIRECT>::TempStorage&>(smem_);
    auto& smem_store = reinterpret_cast<typename cub::BlockStore<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_STORE_WARP_TRANSPOSE>::TempStorage&>(smem_);
    auto& smem_store_vec = reinterpret_cast<typename cub::BlockStore<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_STORE_DIRECT>::TempStorage&>(smem_);
    vec_t *smem_exchange = reinterpret_cast<vec_t *>(smem_ + ((kIsVecLoad_) ? 0 : custom_max({sizeof(typename cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>::TempStorage), sizeof(typename cub::BlockStore<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_STORE_WARP_TRANSPOSE>::TempStorage)})));
    vec_t *smem_exchange_x = reinterpret_cast<vec_t *>(smem_ + ((kIsVecLoad_) ? 0 : custom_max({sizeof(typename cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>::TempStorage), sizeof(typename cub::BlockStore<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_STORE_WARP_TRANSPOSE>::TempStorage)}))) + kNThreads * kNExchangeRounds;
    auto& smem_reduce_float = *reinterpret_cast<typename cub::BlockReduce<float, (kNThreads_)>::TempStorage*>(smem_ + ((kIsVecLoad_) ? 0 : custom_max({sizeof(typename cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>::TempStorage), sizeof(typename cub::BlockStore<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_STORE_WARP_TRANSPOSE>::TempStorage)})));

    const int tidx = threadIdx.x;
    const int batch_id = blockIdx.x;
    const int dim_id = blockIdx.y;
    input_t *x = params_x_ptr + batch_id * params_x_batch_stride
        + dim_id * params_x_c_stride;
    weight_t *weight = params_weight_ptr + dim_id * params_weight_c_stride;
    input_t *dout = params_dout_ptr + batch_id * params_dout_batch_stride
        + dim_id * params_dout_c_stride;
    input_t *dx = params_dx_ptr + batch_id * params_dx_batch_stride
        + dim_id * params_dx_c_stride;
    float *dweight = params_dweight_ptr + dim_id * params_dweight_c_stride;
    float bias_val = params_bias_ptr == nullptr ? 0.f : float(params_bias_ptr[dim_id]);

    // Thread kNThreads - 1 will load the first elements of the next chunk so we initialize those to 0.
    if (tidx == 0) {
        if constexpr (!kSiluAct) {
            input_t zeros[kNElts] = {0};
            smem_exchange[0] = reinterpret_cast<vec_t *>(zeros)[0];
        } else {
            float zeros[kNElts] = {0};
            #pragma unroll
            for (int r = 0; r < kNExchangeRounds; ++r) {
                smem_exchange[r * kNThreads] = reinterpret_cast<vec_t *>(zeros)[r];
            }
        }
    }

    float weight_vals[kWidth];
    #pragma unroll
    for (int i = 0; i < kWidth; ++i) { weight_vals[i] = weight[i * params_weight_width_stride]; }

    float dweight_vals[kWidth] = {0};
    float dbias_val = 0;

    constexpr int kChunkSize = kNThreads * kNElts;
    const int n_chunks = (params_seqlen + kChunkSize - 1) / kChunkSize;
    x += (n_chunks - 1) * kChunkSize;
    dout += (n_chunks - 1) * kChunkSize;
    dx += (n_chunks - 1) * kChunkSize;
    for (int chunk = n_chunks - 1; chunk >= 0; --chunk) {
        input_t x_vals_load[2 * kNElts] = {0};
        input_t dout_vals_load[2 * kNElts] = {0};
        if constexpr(kIsVecLoad) {
            cub::BlockLoad<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_LOAD_DIRECT>(smem_load_vec).Load(reinterpret_cast<vec_t*>(x), *reinterpret_cast<vec_t (*)[1]>(&x_vals_load[kNElts]), (params_seqlen - chunk * kChunkSize) / kNElts);
            cub::BlockLoad<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_LOAD_DIRECT>(smem_load_vec).Load(reinterpret_cast<vec_t*>(dout), *reinterpret_cast<vec_t (*)[1]>(&dout_vals_load[0]), (params_seqlen - chunk * kChunkSize) / kNElts);
        } else {
            __syncthreads();
            cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>(smem_load).Load(x, *reinterpret_cast<input_t (*)[kNElts]>(&x_vals_load[kNElts]), params_seqlen - chunk * kChunkSize);
            __syncthreads();
            cub::BlockLoad<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_LOAD_WARP_TRANSPOSE>(smem_load).Load(dout, *reinterpret_cast<input_t (*)[kNElts]>(&dout_vals_load[0]), params_seqlen - chunk * kChunkSize);
        }
        float dout_vals[2 * kNElts], x_vals[2 * kNElts];
        if constexpr (!kSiluAct) {
            __syncthreads();
            // Thread 0 don't write yet, so that thread kNThreads - 1 can read
            // the first elements of the next chunk.
            if (tidx > 0) { smem_exchange[tidx] = reinterpret_cast<vec_t *>(dout_vals_load)[0]; }
            __syncthreads();
            reinterpret_cast<vec_t *>(dout_vals_load)[1] = smem_exchange[tidx < kNThreads - 1 ? tidx + 1 : 0];
            __syncthreads();
            // Now thread 0 can write the first elements of the current chunk.
            if (tidx == 0) { smem_exchange[tidx] = reinterpret_cast<vec_t *>(dout_vals_load)[0]; }
            #pragma unroll
            for (int i = 0; i < 2 * kNElts; ++i) {
                dout_vals[i] = float(dout_vals_load[i]);
                x_vals[i] = float(x_vals_load[i]);
            }
        } else {
            if (tidx == 0 && chunk > 0) {
                if constexpr(kIsVecLoad) {
                    reinterpret_cast<vec_t *>(x_vals_load)[0] = reinterpret_cast<vec_t *>(x)[-1];
                } else {
                    #pragma unroll
                    for (int i = 0; i < kNElts; ++i) {
                        if (chunk * kChunkSize + i < params_seqlen) { x_vals_load[i] = x[-kNElts + i]; }
                    }
                }
            }
            __syncthreads();
            smem_exchange_x[tidx] = reinterpret_cast<vec_t *>(x_vals_load)[1];
            __syncthreads();
            if (tidx > 0) { reinterpret_cast<vec_t *>(x_vals_load)[0] = smem_exchange_x[tidx - 1]; }
            #pragma unroll
            for (int i = 0; i < 2 * kNElts; ++i) { x_vals[i] = float(x_vals_load[i]); }
            // Recompute the output
            #pragma unroll
            for (int i = 0; i < kNElts; ++i) {
                float out_val = bias_val;
                #pragma unroll
                for (int w = 0; w < kWidth; ++w) {
                    out_val += weight_vals[w] * x_vals[kNElts + i - (kWidth - w - 1)];
                }
                float out_sigmoid_val = 1.0f / (1.0f + expf(-out_val));
                dout_vals[i] = float(dout_vals_load[i]) * out_sigmoid_val
                               * (1.0f + out_val * (1.0f - out_sigmoid_val));
            }
            // Exchange the dout_vals. It's possible that we need to do 2 rounds of exchange
            // if input_t is 16 bits (since then we'd have 8 values of float)
            __syncthreads();
            // Thread 0 don't write yet, so that thread kNThreads - 1 can read
            // the first elements of the next chunk.
            if (tidx > 0) {
                #pragma unroll
                for (int r = 0; r < kNExchangeRounds; ++r) {
                    smem_exchange[r * kNThreads + tidx] = reinterpret_cast<vec_t *>(dout_vals)[r];
                }
            }
            __syncthreads();
            #pragma unroll
            for (int r = 0; r < kNExchangeRounds; ++r) {
                reinterpret_cast<vec_t *>(dout_vals)[kNExchangeRounds + r]
                    = smem_exchange[r * kNThreads + (tidx < kNThreads - 1 ? tidx + 1 : 0)];
            }
            __syncthreads();
            // Now thread 0 can write the first elements of the current chunk.
            if (tidx == 0) {
                #pragma unroll
                for (int r = 0; r < kNExchangeRounds; ++r) {
                    smem_exchange[r * kNThreads + tidx] = reinterpret_cast<vec_t *>(dout_vals)[r];
                }
            }
        }
        dout -= kChunkSize;
        x -= kChunkSize;

        #pragma unroll
        for (int i = 0; i < kNElts; ++i) { dbias_val += dout_vals[i]; }

        float dx_vals[kNElts] = {0};
        #pragma unroll
        for (int i = 0; i < kNElts; ++i) {
            #pragma unroll
            for (int w = 0; w < kWidth; ++w) {
                dx_vals[i] += weight_vals[w] * dout_vals[i + kWidth - w - 1];
            }
        }

        input_t dx_vals_store[kNElts];
        #pragma unroll
        for (int i = 0; i < kNElts; ++i) { dx_vals_store[i] = dx_vals[i]; }
        if constexpr(kIsVecLoad) {
            cub::BlockStore<typename BytesToType<(sizeof(input_t_)) * ((sizeof(input_t_)) == 4 ? 4 : 8)>::Type, (kNThreads_), 1, cub::BLOCK_STORE_DIRECT>(smem_store_vec).Store(reinterpret_cast<vec_t*>(dx), reinterpret_cast<vec_t (&)[1]>(dx_vals_store), (params_seqlen - chunk * kChunkSize) / kNElts);
        } else {
            cub::BlockStore<input_t_, (kNThreads_), ((sizeof(input_t_)) == 4 ? 4 : 8), cub::BLOCK_STORE_WARP_TRANSPOSE>(smem_store).Store(dx, dx_vals_store, params_seqlen - chunk * kChunkSize);
        }
        dx -= kChunkSize;

        #pragma unroll
        for (int w = 0; w < kWidth; ++w) {
            #pragma unroll
            for (int i = 0; i < kNElts; ++i) {
                dweight_vals[w] += x_vals[kNElts + i] * dout_vals[i + kWidth - w - 1];
            }
        }
    }

    #pragma unroll
    for (int w = 0; w < kWidth; ++w) {
        __syncthreads();
        dweight_vals[w] = cub::BlockReduce<float, (kNThreads_)>(smem_reduce_float).Sum(dweight_vals[w]);
        if (tidx == 0) {
            if constexpr (kDeterministic) {
                float *dweight_ws = params_dweight_workspace_ptr;
                dweight_ws[batch_id * params_dweight_workspace_batch_stride
                         + dim_id * params_dweight_workspace_dim_stride
                         + w] = dweight_vals[w];
            } else {
                atomicAdd(&reinterpret_cast<float *>(dweight)[w * params_dweight_width_stride], dweight_vals[w]);
            }
        }
    }
    if (params_bias_ptr != nullptr) {
        __syncthreads();
        dbias_val = cub::BlockReduce<float, (kNThreads_)>(smem_reduce_float).Sum(dbias_val);
        if (tidx == 0) {
            if constexpr (kDeterministic) {
                float *dbias_ws = params_dbias_workspace_ptr;
                dbias_ws[batch_id * params_dbias_workspace_batch_stride + dim_id] = dbias_val;
            } else {
                atomicAdd(&params_dbias_ptr[dim_id], dbias_val);
            }
        }
    }
}

                                                                        
                                                                           
                                                               
                                                              
                                                           
                                                                   
                                                                                                                            
                                                             
                                                    
                                                                                 
                                             
                                                                                                           
                                                        
                                                                                                             
                                                                                                                                                                                                                                                           
                 
                                                                                
                                               
               
           
       
 

                                             
                                                                         
                            
                                                                            
                                   
                                                                            
                                   
                                                                            
     
 

                                                                                                                                
                                                    
                                                                           
                                                                                     
                                                                                               
                                                                               
                             
                               
                                               
                                                
                                       
                                                  
                                          
                                                    
                                                   
                                                
                                                       
                                                      
                                                                                      
                                                             
                                                                                   
                                                         
                                                                 
                                                               
                                                          
                                                   
                                                               
                                                                                                      
                                                                                                         
                                                                                           
                                                                                              
                                                                             
  

                                                                                                                                                                                             
                                          
                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                        
                                     
                                           
                                          
                                                             
                                               
                                                                                                   
                                                                                                                              
                                               
                                                           
                             
                                                                                                     
                               

                     
                                                                                 
                                                                                           

                                    
                                      
                                      
                                
                                          
                                          
                                                                
                                                                                                             
                                        
                                                            
                                                                         
                                                                                                                
                                                                   
                                                                                                              
                                       
                                                             
                                                             
                                                              
                                                                                              
                                                                                                                                                                         
                                                                                                
                                                                                                                                                                            
                                                                          
                                                                                                             

                  
                                                                                                                                                  
                                             
                                          
                                                                            
                                                                        
                                                                                                                                   
                                                                                                                          
         
                                                                                                                          
                                                                                                                                 
     
                                                                                               
                             
                                             
                                          
                                                                  
                                                                        
                                                                                                                                 
         
                                                                
                                                                              
                                                                        
                                                                                                                         
                                            
                                                                         
                                                                               
                                                                                                   
         
                                                                                                                        
                                                                                                    
     
                                                                                                           
                             
                                 
                                              
                                                                      
                                                                            
                                                                                                                            
             
                                                                                                                                   
         
     

                    

                                                                                                  
                                                                        
                                                              
                                                                
                                                                                     
                                                          
                                                          
                                                                  
                                         

                                              
                                              

                                                                                                                                                                       
                                    
                                                          
                      
                                          
                                                                                                       
         
     
                                              
                                                        
                  
                                                        
                                                                            
                                                                      
     

                                                              
                               
                      
                                                                         
                                                                                                  
                                                                                                                             
         
     

                                                      
                      
                                                                                                
                                                                          
         
                      
                                                            
                                     
                                                                                     
                          
                                              
                                            
                                                              
                        
                                                                                                           
                 
             
                                                                 
                                                                                    
         
     

                                     
                        
                  
                                      
                      
                                               
                                        
                                                                
                    
                                                                                                                                
             
         
                                                                                   
                                                                              
                                           
                                                                 
                                                                           
                                                                                        
                                                                                                     
                                                
                    
                                                                                                                                                     
             
         
     

                                     
                              
                                                                            
                                                                       
                                                                              
                                           
                                                             
                                                                       
                                                
                                                                           
                    
                                                                                            
             
         
     

                                     
                  
                                           
                                                                                 
                      
                                          
                                        
                                                                             
                    
                                                                                                                                       
             
         
                                          
                                         
                                                                                                  
                                                                                       
                                                                     
                                                                                                                                                                                                                      
             
         
     

                                        
                                                                                                                  
                                                     
                      
                                              
                          
                                              
                                                                                                                                  
             
                                                                      
                                              
                                             
                                         
                                                                                                                                                          
                 
             
         
     

                    
                  
                                                                                                                   
                                                     
                      
                                                                                     
     
                    

                  
                                                                                                                                                  
                                      
                                                                                                                                   
                                                                            
                                                                        
                                                                                                                              
         
     
                                  
                             
                                                                    
                                          
                                                                                                          
                                                                                                      
     

 

                                                                        
                                                                                       
                                                       
                                                                    
                                                                                    
                                                                       
                                                                          
                                                                                             
                                                                               
                                                                                                                                                  
                                                                        
                                                                         
                                                                          
                                                                                               
                                                                                            
                                                                        
                                                       
                                                                                                                                   
                                                        
                                                                   
                                                                                                    
                                
                                                                                           
                                                                                
                                                       
                       
                   
               
           
       
 

                                             
                                                                                     
                            
                                                                                        
                                   
                                                                                        
                                   
                                                                                        
     
 

                                                                                               
                                                                                                  
                                                                                                      
                                                                                                  
                                                                                                     
                                                                                                         
                                                                                                      
                                                                                                         
                                                                                                             

                                                                                                           
                                                                                                              
                                                                                                                  
                                                                                                              
                                                                                                                 
                                                                                                                     
                                                                                                                  
                                                                                                                     
                                                                                                                         

